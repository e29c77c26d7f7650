"""The official SDK README's hello-world app on ``memory://``: a TaskHandler's threads poll the engine."""
