using Xunit.Abstractions;

namespace ZkDiscovery.Tests.BadInput;

/// <summary>
/// Prints one line per bad-input case: <c>BADINPUT | case | error type | message</c>, collected into the corpus table
/// of docs/reliability.md.
/// </summary>
internal static class BadInputReport
{
    public static void Write(ITestOutputHelper output, string caseName, Exception error) =>
        Write(output, caseName, error.GetType().Name, error.Message);

    public static void Write(ITestOutputHelper output, string caseName, string errorType, string message) =>
        output.WriteLine($"BADINPUT | {caseName} | {errorType} | {message.ReplaceLineEndings(" / ")}");
}
