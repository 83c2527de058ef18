"""The Slack adapter: slack-bolt in, Web API out, no feature logic.

service.py wires the bolt app (HTTP or Socket Mode); inbound.py turns payloads into core events;
forms.py builds modals from command specs; outbound.py performs the core's actions; render.py
writes mrkdwn; people.py and channels.py cache who is who and which channel is which;
manifest.py prints the app manifest.
"""
