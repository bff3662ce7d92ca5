"""Entry point for `python -m cobalt_sync`; it only hands over to the click CLI."""

from cobalt_sync.cli import main

if __name__ == "__main__":
    main()
