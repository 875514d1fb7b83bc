"""The API of the sharing kernel: shares, agreements, matches, access requests, person search
and purpose codes."""
