"""m365-wizard's Textual app: one screen per wizard step, calling the engine in `wizard/`."""
