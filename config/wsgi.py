"""WSGI entry point."""

import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import the URLconf, and with it every view and the analytics stack (numpy, scipy), when the
# worker starts rather than on its first request (~3 s on a 2-core machine).
import_module(settings.ROOT_URLCONF)
