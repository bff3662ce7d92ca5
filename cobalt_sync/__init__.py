"""cobalt-sync: configuration as code for a Cobalt organisation.

The package reads `cobalt.yaml`, compares it with the live org and makes the org match.
Only the version lives here; everything else sits in the modules named in docs/design.
"""

__version__ = "0.1.0"
