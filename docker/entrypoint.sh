#!/bin/sh
# Generates the REST API's JWT secret and password on first run (kept in user_data, never in
# the image or the repository), then runs freqtrade with the given arguments.
set -eu
secrets=/freqtrade/user_data/api_server.json
if [ ! -f "$secrets" ]; then
    umask 077
    python - "$secrets" <<'PY'
import json, secrets, sys
password = secrets.token_urlsafe(16)
json.dump({"api_server": {
    "enabled": True, "listen_ip_address": "0.0.0.0", "listen_port": 8080,
    "username": "freqtrader", "password": password,
    "jwt_secret_key": secrets.token_hex(32), "ws_token": secrets.token_urlsafe(24),
    "CORS_origins": []}}, open(sys.argv[1], "w"), indent=2)
print(f"FreqUI / REST API: http://127.0.0.1:8080  user freqtrader  password {password}")
PY
fi
exec freqtrade "$@" -c "$secrets"
