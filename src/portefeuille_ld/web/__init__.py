"""The web application: `app.create_app` builds it, one router per concern."""
