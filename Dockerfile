# The imapproxy executable in a container, for the docker-compose demo.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/ImapProxy -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /var/lib/imapproxy
COPY --from=build /app /app
ENTRYPOINT ["dotnet", "/app/imapproxy.dll"]
