"""The serving shell: the JSON API under /api and the Gradio chat at /, in one FastAPI app (``main.create_app``); every
answer comes from ``qa.pipeline.QA``. Nothing here retrieves or extracts."""
import os

# Before Gradio is imported by any module here: nothing may be fetched at run time (no analytics, no model hub).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
