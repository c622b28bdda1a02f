"""carrier-tracker: NFC custody tracking of classified document copies at meetings."""

__version__ = "0.1.0"
