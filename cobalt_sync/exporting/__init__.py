"""Exporting: a live State written as the text of a `cobalt.yaml` (`document`), or into one
environment's section of an existing manifest (`environment_section`). Pure text, no I/O."""
