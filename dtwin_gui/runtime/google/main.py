"""The functions-framework entry points of dtwin on Google Cloud Functions gen2.

Static: the same file in every dtwin layer package. A deployed function's entry point is
its role's (runtime/google/entry_points.py); env ``DTWIN_FUNCTION`` names which function of
the package's ``dtwin_functions.json`` it is.
"""

from pathlib import Path

import functions_framework

from dtwin_gui.runtime.google.app import cloud_event_entry, http_entry

ROOT = Path(__file__).resolve().parent

dispatcher = functions_framework.cloud_event(cloud_event_entry("dispatcher", ROOT))
connector = functions_framework.http(http_entry("connector", ROOT))
ingestion = functions_framework.http(http_entry("ingestion", ROOT))
processor = functions_framework.http(http_entry("processor", ROOT))
persister = functions_framework.http(http_entry("persister", ROOT))
event_checker = functions_framework.http(http_entry("event-checker", ROOT))
action = functions_framework.http(http_entry("action", ROOT))
event_feedback = functions_framework.http(http_entry("event-feedback", ROOT))
hot_writer = functions_framework.http(http_entry("hot-writer", ROOT))
hot_reader = functions_framework.http(http_entry("hot-reader", ROOT))
hot_to_cold_mover = functions_framework.http(http_entry("hot-to-cold-mover", ROOT))
cold_writer = functions_framework.http(http_entry("cold-writer", ROOT))
cold_to_archive_mover = functions_framework.http(http_entry("cold-to-archive-mover", ROOT))
archive_writer = functions_framework.http(http_entry("archive-writer", ROOT))
hot_reader_proxy = functions_framework.http(http_entry("hot-reader-proxy", ROOT))
