"""m365-wizard's engine: everything the wizard does, with no user interface.

Nothing in this package imports Textual (an import-linter contract in
pyproject.toml checks that), so every step can be driven from tests, from the
headless CLI (`wizard.cli`) or from the Textual app in `screens/`.
"""

__version__ = "0.1.0"
