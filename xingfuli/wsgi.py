import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xingfuli.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the URL conf, pypinyin's dictionaries …) lives as long as
# the worker: move it out of the collector's sight. Without this, a full collection walks
# those objects and stalls a request for ~140 ms (bench/registry_bench.py: p99 150 → 40 ms).
import xingfuli.urls  # noqa: E402, F401 - load the whole app before freezing

gc.freeze()
