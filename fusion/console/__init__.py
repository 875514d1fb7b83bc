"""The console: the browser interface of coordinators, analysts, agency admins and oversight,
served by the same service at `/` (Django templates, htmx for partial updates, vendored
Leaflet). Its pages read and write through the API's own views in-process
(fusion.console.api_client), so visibility, validation, audit of reads and error statuses are
the API's, with no second rule."""
