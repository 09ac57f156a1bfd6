"""Server-side page-blob copy: ranged, paced, resumable, verified, with truthful progress."""
