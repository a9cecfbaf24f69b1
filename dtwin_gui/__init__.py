"""dtwin: deploy an IoT digital twin across AWS, Azure and Google Cloud."""

__version__ = "0.1.0"
