"""The Cobalt emulator ("sandbox"): a Starlette app that answers like Cobalt's public API.

It is a second, independent reading of the vendor contract, so it imports nothing from the
rest of `cobalt_sync`; only the `sandbox` CLI command and tests import it.
"""
