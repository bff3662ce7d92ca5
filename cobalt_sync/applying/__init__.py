"""Applying: carrying out a Plan's changes in order (`apply`), the report of what was done,
what SIGINT/SIGTERM do meanwhile, and the Connect smoke check run after a deploy."""
