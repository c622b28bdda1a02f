"""The Textual desk application for custodians (docs/architecture.md §9)."""
