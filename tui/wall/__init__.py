"""The wall display (``carrier-tracker wall``): a read-only, full-screen view of one meeting's custody."""
