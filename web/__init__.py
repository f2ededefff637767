"""The project's wiring, on the top floor: the URLconf (`urls.py`) and the API's (`api_urls.py`), the home,
login and site-search views (`views.py`), and the WSGI entry point (`wsgi.py`). It imports every app;
no app imports it. Settings and the helpers that import no app are in `fedorg/`, at the bottom.
"""
