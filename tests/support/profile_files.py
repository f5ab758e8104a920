"""A sixth vendor written by an installer, as one TOML file outside the package (issue 18)."""

ROOMSIGN = '''\
# RoomSign: room signs that read calendars, rooms and users without a signed-in user.
id = "roomsign"
name = "RoomSign room signs"
summary = "Lets the RoomSign server read and book room calendars and list rooms and users (application)."
kind = "registration"
display_name_default = "RoomSign Server"
admin_consent = true
secret_needed = true
secret_default_months = 6
token_test = "app_roles"
token_resource = "https://graph.microsoft.com"
followup = ["Paste the three values into RoomSign > Settings > Microsoft 365 and press Connect."]

[[questions]]
key = "site_name"
label = "Site name"
help = "The name RoomSign shows for this building."
example = "Head office"
kind = "text"
required = false

[[permissions]]
resource = "graph"
name = "Calendars.ReadWrite"
type = "application"

[[permissions]]
resource = "graph"
name = "Place.Read.All"
type = "application"

[[permissions]]
resource = "graph"
name = "User.Read.All"
type = "application"

[[snippet]]
label = "RoomSign Directory (tenant) ID"
template = "{tenant_id}"

[[snippet]]
label = "RoomSign App ID"
template = "{client_id}"

[[snippet]]
label = "RoomSign App Secret"
template = "{client_secret}"
secret = true
'''


# A vendor whose permissions are on its own multi-tenant API, named by appId: the simulated tenant's
# fictional "Fabrikam Rooms API" (wizard/simtenant/catalog.py FABRIKAM). Its names are resolved at run time.
FABRIKAM_API = "6f1d3c2a-9b4e-4a7d-8c15-2e0b9f7a4d61"
FABROOMS = f'''\
id = "fabrooms"
name = "Fabrikam room panels"
summary = "Lets the Fabrikam panel server read room bookings through Fabrikam's own API."
kind = "registration"
display_name_default = "Fabrikam Panels"
admin_consent = true
secret_needed = true
token_test = "app_roles"
token_resource = "api://{FABRIKAM_API}"

[[permissions]]
resource = "{FABRIKAM_API}"
name = "Rooms.Read.All"
type = "application"

[[permissions]]
resource = "{FABRIKAM_API}"
name = "Rooms.Read"
type = "delegated"

[[snippet]]
label = "Fabrikam tenant"
template = "{{tenant_id}}"

[[snippet]]
label = "Fabrikam client"
template = "{{client_id}}"

[[snippet]]
label = "Fabrikam secret"
template = "{{client_secret}}"
secret = true
'''
