"""Reusable widgets of the wizard's screens.

Each widget lives in its own module with its styles in `DEFAULT_CSS`:

- `DeviceCodePanel` (`device_code.py`): the sign-in code, the URL, a QR code and a countdown.
- `QrCode` / `QrScreen` (`qr.py`): a QR code drawn with half-block characters.
- `SecretReveal` (`secret_reveal.py`): the client secret VALUE, masked until revealed, copyable.
- `StepList` (`step_list.py`): one row per step with a state icon that works without colour.
- `SnippetView` (`snippet_view.py`): the vendor's settings block, copyable and savable.
"""
