"""Views: terminal tables, progress, markdown and HTML reports. They read recorded data
and never train."""
