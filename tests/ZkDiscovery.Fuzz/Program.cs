using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ZkDiscovery.Fuzz;
using ZkDiscovery.Fuzz.Targets;

// Seeded fuzzer. Case i of a run uses the random stream Mix(seed, i) and the target (i mod targets), so a run is
// reproducible and any single case can be re-run with --case i, or from its printed input with --replay.
//   dotnet run -c Release --project tests/ZkDiscovery.Fuzz -- --cases 1000000 --seed 42 --target all
//   options: --workers N (default min(2, cores)), --case-timeout-ms MS (default 5000, the watchdog's bound per case),
//            --case I (run only case I and print it), --replay TARGET BASE64 (run one input)
// Exit codes: 0 clean, 1 findings, 2 a case exceeded the time bound (hang), 64 bad usage.

var allTargets = new FuzzTarget[] { new FrameTarget(), new TreeTextTarget(), new NodePropertiesTarget(), new StringsTarget() };
long cases = 1_000_000;
ulong seed = 42;
var targetName = "all";
var workers = Math.Min(2, Environment.ProcessorCount);
var caseTimeout = TimeSpan.FromSeconds(5);
long? single = null;
(string Target, string Input)? replay = null;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--cases": cases = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
            case "--seed": seed = ulong.Parse(args[++i], CultureInfo.InvariantCulture); break;
            case "--target": targetName = args[++i]; break;
            case "--workers": workers = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture)); break;
            case "--case-timeout-ms": caseTimeout = TimeSpan.FromMilliseconds(int.Parse(args[++i], CultureInfo.InvariantCulture)); break;
            case "--case": single = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
            case "--replay": replay = (args[i + 1], args[i + 2]); i += 2; break;
            default: throw new FormatException("unknown option " + args[i]);
        }
    }
}
catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
{
    Console.Error.WriteLine($"usage: ZkDiscovery.Fuzz [--cases N] [--seed S] [--target all|{string.Join('|', allTargets.Select(t => t.Name))}] [--workers N] [--case-timeout-ms MS] [--case I] [--replay TARGET BASE64] ({e.Message})");
    return 64;
}

var targets = targetName == "all" ? allTargets : allTargets.Where(t => t.Name == targetName).ToArray();
if (targets.Length == 0)
{
    Console.Error.WriteLine($"unknown target {targetName}; one of all, {string.Join(", ", allTargets.Select(t => t.Name))}");
    return 64;
}

if (replay is { } r)
{
    var target = allTargets.FirstOrDefault(t => t.Name == r.Target);
    if (target is null)
    {
        Console.Error.WriteLine("unknown target " + r.Target);
        return 64;
    }
    var input = Convert.FromBase64String(r.Input);
    Console.WriteLine($"replay {target.Name}: {target.Describe(input)}");
    var finding = Run(target, input, out var outcome);
    Console.WriteLine(finding is null ? "outcome: " + outcome : "FINDING: " + finding);
    return finding is null ? 0 : 1;
}

var findings = new ConcurrentDictionary<string, string>();
var outcomes = new ConcurrentDictionary<string, long>();
var perTarget = new long[targets.Length];
var running = new (long Start, long Case, byte[]? Input)[workers];
var done = 0L;
var clock = Stopwatch.StartNew();
Console.WriteLine($"fuzzing {string.Join(", ", targets.Select(t => t.Name))}: {cases:N0} cases, seed {seed}, {workers} workers, {caseTimeout.TotalMilliseconds} ms per case");

// The watchdog: a case running longer than the bound is a hang; print it and stop the process (a stuck thread
// cannot be aborted).
var watchdog = new Thread(() =>
{
    while (true)
    {
        Thread.Sleep(200);
        for (var w = 0; w < running.Length; w++)
        {
            var (start, index, input) = running[w];
            if (start != 0 && Stopwatch.GetElapsedTime(start) > caseTimeout && input is not null)
            {
                var target = targets[index % targets.Length];
                Console.WriteLine($"HANG: case {index} ({target.Name}) ran over {caseTimeout.TotalMilliseconds} ms");
                Console.WriteLine($"  reproduce: --replay {target.Name} {Convert.ToBase64String(input)}");
                Console.WriteLine($"  input: {target.Describe(input)}");
                Console.Out.Flush();
                Environment.Exit(2);
            }
        }
        if (Volatile.Read(ref done) == cases)
        {
            return;
        }
    }
})
{ IsBackground = true, Name = "fuzz watchdog" };
watchdog.Start();

var first = single ?? 0;
var last = single.HasValue ? single.Value + 1 : cases;
var threads = Enumerable.Range(0, workers).Select(w => new Thread(
() =>
{
    for (var index = first + w; index < last; index += workers)
    {
        var targetIndex = (int)(index % targets.Length);
        var target = targets[targetIndex];
        var rng = new FuzzRandom(FuzzRandom.Mix(seed, (ulong)index));
        var input = target.Generate(ref rng);
        running[w] = (Stopwatch.GetTimestamp(), index, input);
        var finding = Run(target, input, out var outcome);
        running[w] = (0, index, null);
        Interlocked.Increment(ref perTarget[targetIndex]);
        outcomes.AddOrUpdate(target.Name + " " + outcome, 1, static (_, n) => n + 1);
        if (single.HasValue)
        {
            Console.WriteLine($"case {index} ({target.Name}): {target.Describe(input)}\n  base64 {Convert.ToBase64String(input)}\n  outcome: {outcome}");
        }
        if (finding is not null)
        {
            // One report per distinct finding (its first line), with the first input that showed it.
            var key = target.Name + ": " + finding.Split('\n')[0];
            if (findings.TryAdd(key, $"case {index}: --replay {target.Name} {Convert.ToBase64String(input)}\n    input: {Truncate(target.Describe(input))}\n    {finding}"))
            {
                Console.WriteLine($"FINDING in {target.Name}, case {index}: {finding.Split('\n')[0]}");
            }
        }
        var n = Interlocked.Increment(ref done);
        if (n % 200_000 == 0)
        {
            Console.WriteLine($"  {n:N0} cases, {clock.Elapsed.TotalSeconds:F0} s, {n / clock.Elapsed.TotalSeconds:N0}/s, {findings.Count} findings");
        }
    }
},
16 * 1024 * 1024)
{ Name = "fuzz worker " + w }).ToList();
threads.ForEach(t => t.Start());
threads.ForEach(t => t.Join());
Volatile.Write(ref done, cases);
clock.Stop();

Console.WriteLine();
Console.WriteLine($"{done:N0} cases in {clock.Elapsed.TotalSeconds:F1} s ({done / Math.Max(clock.Elapsed.TotalSeconds, 0.001):N0}/s), seed {seed}");
for (var t = 0; t < targets.Length; t++)
{
    Console.WriteLine($"  {targets[t].Name}: {perTarget[t]:N0} cases");
}
Console.WriteLine("outcomes:");
foreach (var (outcome, count) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"  {outcome}: {count:N0}");
}
Console.WriteLine($"findings: {findings.Count}");
foreach (var finding in findings.OrderBy(f => f.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"  {finding.Key}\n    {finding.Value}");
}
return findings.IsEmpty ? 0 : 1;

static string? Run(FuzzTarget target, byte[] input, out string outcome)
{
    try
    {
        outcome = target.Execute(input);
        return null;
    }
    catch (FuzzFindingException e)
    {
        outcome = "FINDING";
        return "oracle: " + e.Message;
    }
    catch (Exception e) when (!target.IsDocumented(e))
    {
        outcome = "FINDING";
        return $"undocumented {e.GetType().Name}: {e.Message}\n{e.StackTrace}";
    }
    catch (Exception e)
    {
        // A documented exception escaped the target's own handling: still fine, count it by type.
        outcome = "documented " + e.GetType().Name;
        return null;
    }
}

static string Truncate(string text) => text.Length <= 600 ? text : text[..600] + "...";
