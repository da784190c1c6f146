# The imapproxy executable in a container, for the docker-compose demo.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/ImapProxy -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /app /app
# Runs as the image's unprivileged "app" user, which owns only the working directory (data and CA live there).
WORKDIR /var/lib/imapproxy
RUN mkdir -p data certs && chown -R app:app /var/lib/imapproxy && chmod 700 data certs
USER app
EXPOSE 1143 1993 5143
# /api/health answers without the dashboard token; bash's /dev/tcp needs no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5143 && printf 'GET /api/health HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# The dashboard files are the application's own (beside imapproxy.dll); --data and --ca-dir are the working directory's.
ENTRYPOINT ["dotnet", "/app/imapproxy.dll"]
