"""What the commands show, one module per command: tables, documents and JSON records built
from the data set. ``text`` holds the formatters they share."""
