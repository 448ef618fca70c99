using System.CommandLine;
using System.Globalization;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd validate</c>: check tree text and report every error with its line; exit code 1 on errors.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The tree text file, or - for standard input." };
        var command = new Command("validate", "Check tree text and report every error with its line; exit code 1 on errors.") { file };
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var name = result.GetValue(file)!;
            var errors = TreeText.Validate(await ReadInputAsync(name, ct).ConfigureAwait(false));
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync($"{(name == "-" ? "<stdin>" : name)}:{error.LineNumber.ToString(CultureInfo.InvariantCulture)}: {error.Message}: {error.Text}").ConfigureAwait(false);
            }
            return errors.Count == 0 ? ExitCodes.Success : ExitCodes.UsageOrInput;
        }));
        return command;
    }
}
