"""Reading the org: where a run connects (key, URL, embedded sandbox, backend), the reads sent
ahead while the manifest is still being checked, and the desired and live States a plan
compares. Reads only: nothing in this package writes to Cobalt."""
