"""The sharing kernel: which incidents a user sees and at which level (visibility), and
everything that grants or decides access: shares, standing agreements, deconfliction matches
and their hints, access requests, the permission rows and TLP rules. What each level shows is
incidents' field policy (incidents.redaction); stated purposes are plumbing (fusion.purpose).
It sits above incidents and below analytics, accountability and oversight; what is derived
from incidents asks it through `visibility.all_visible`."""
