"""`python -m wizard` is the same as `m365-wizard`."""

from wizard.cli import main

raise SystemExit(main())
