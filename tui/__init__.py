"""The Textual desk application for custodians (DESIGN §9)."""
