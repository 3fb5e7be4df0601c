"""`make demo`: the local Binance emulator plus `freqtrade trade` in testnet mode against it,
printing each bracket as the bot places, steers and closes it.

- ``launcher``: starts and stops the two processes (``python -m scripts.demo`` runs its ``main``);
- ``feed``: what the demo prints about the brackets, read from the bot's REST API.

Standard library only: the demo's own code needs nothing the bot does not.
"""
