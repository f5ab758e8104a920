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
