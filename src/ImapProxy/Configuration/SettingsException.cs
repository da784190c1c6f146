namespace ImapProxy.Configuration;

/// <summary>A setting the user got wrong; shown as one line, exit code 2.</summary>
internal sealed class SettingsException(string message) : Exception(message);
