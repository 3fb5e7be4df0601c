"""What the plugin tells people and programs: events, Telegram text, webhook payloads, and their
delivery (freqtrade's ``send_msg``, the plugin's own webhook poster).

May import: ``ft_bracket.core``, itself and requests; never freqtrade, ccxt or the executor.
"""
