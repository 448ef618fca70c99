using System.Globalization;
using ZkDiscovery.Bench;

// Workload benchmarks W1-W8 of docs/benchmarks.md for
// ZkDiscovery, W7's churner behind `w7-churner` (started by the W7 drivers), the soak run behind `soak`, and BenchmarkDotNet micro-benchmarks
// behind `micro`. bench/run.sh runs this in Release.

if (args.Length > 0 && args[0] == "micro")
{
    return MicroBenchmarks.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "soak")
{
    return await ZkDiscovery.Soak.SoakCommand.RunAsync(args[1..]).ConfigureAwait(false);
}

if (args.Length > 0 && args[0] == "w7-churner")
{
    return await ScaleChurner.RunAsync(args[1..]).ConfigureAwait(false);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
if (options.Help)
{
    Console.Out.WriteLine(BenchOptions.Usage);
    return 0;
}

var failed = false;
foreach (var workload in options.Workloads)
{
    try
    {
        var result = await Workloads.RunAsync(workload, options).ConfigureAwait(false);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {options.Client} {workload} {result}"));
    }
#pragma warning disable CA1031 // Any failure of a workload is reported and makes the exit status non-zero.
    catch (Exception e)
#pragma warning restore CA1031
    {
        Console.Error.WriteLine($"FAIL {options.Client} {workload}: {e}");
        failed = true;
    }
}
Console.Out.Flush();
return failed ? 1 : 0;
