"""``python -m mscref``."""

from mscref.cli import main

if __name__ == "__main__":
    main()
