"""Session-wide test settings."""

import os

# Rich sizes tables and wraps messages to the terminal; CLI tests read that output, so give
# every run the same wide terminal whatever machine or CI runs it.
os.environ["COLUMNS"] = "200"
