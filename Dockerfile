# The official freqtrade image with the ft_bracket plugin and the local Binance emulator added.
FROM freqtradeorg/freqtrade:2026.9

COPY --chown=ftuser:ftuser pyproject.toml README.md /opt/ft-bracket/
COPY --chown=ftuser:ftuser ft_bracket /opt/ft-bracket/ft_bracket
COPY --chown=ftuser:ftuser binance_emulator /opt/ft-bracket/binance_emulator
# freqtrade and its dependencies are already in the image: add only this project's packages.
RUN pip install --user --no-cache-dir --no-deps /opt/ft-bracket

COPY --chown=ftuser:ftuser config.json /freqtrade/config.json
COPY --chown=ftuser:ftuser configs /freqtrade/configs
COPY --chown=ftuser:ftuser strategies /freqtrade/strategies
COPY --chown=ftuser:ftuser docker/entrypoint.sh /freqtrade/docker/entrypoint.sh
