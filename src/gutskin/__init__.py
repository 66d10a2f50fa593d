"""gutskin: an eczema companion for patients and allergists, built around the gut–skin axis."""

__version__ = "0.1.0"
