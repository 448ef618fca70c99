namespace ZkDiscovery.Cli;

/// <summary>The process exit codes of zkd.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int UsageOrInput = 1;
    public const int ZooKeeperError = 2;
    public const int CannotConnect = 3;
}

/// <summary>A usage or input error: printed as is, exit code 1.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>No server answered within the timeout: exit code 3.</summary>
internal sealed class CliConnectException(string message, Exception innerException) : Exception(message, innerException);
