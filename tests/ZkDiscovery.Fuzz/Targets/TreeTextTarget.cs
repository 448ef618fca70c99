using ZkDiscovery.Nodes;

namespace ZkDiscovery.Fuzz.Targets;

/// <summary>
/// <see cref="TreeText.Parse"/> and <see cref="TreeText.Validate"/> on texts built from valid examples by line-level
/// and character-level mutations, and on random token soup. Only <see cref="TreeTextException"/> may escape Parse
/// (and <see cref="ArgumentException"/> from Format, documented for trees it cannot write back). Oracles: Parse
/// throws exactly when Validate reports errors, with the same errors; every error names a line of the text, in
/// line order; a parsed tree formats, and the formatted text parses and formats to the same text.
/// </summary>
internal sealed class TreeTextTarget : FuzzTarget
{
    private static readonly string[] s_seeds =
    [
        """
        /lb : ipvs
          /pools
            /cms
              # The address is fixed because it's exposed externally
              address = '1.2.3.4:80'
              providers -> /cms/providers
        /cms : z4m cms
          threads => /fooservice threads
          /providers
          /databases
            /main
              /providers
        """,
        """
        /fooservice
          threads = 3
          timeout = 1.5e3
          hosts = ["a", "b", {"c": [1, 2, null]}]
          enabled = True
          legacy = u'1234'
          nothing = None
          nested = {"k": {"l": [true, false]}, "n": -0.5}
          alias => ../other alias
          up -> ..
          /child: typed thing
            text = "tab\tand \u00e9 \"quoted\" \\"
        """,
        """
        /a
            /b
                x = 1
            /c
                y = 'it''s'
        /d
          z => /a/b x
          w -> /a/c
        """,
        "/single\n",
        "/x : t\n  a = []\n  b = {}\n  c = \"\"\n  d = ''\n",
    ];

    private static readonly string[] s_fragments =
    [
        "/", "/n", " : ", ":", " = ", "=", " -> ", "->", " => ", "=>", "#", "'", "\"", "u'", "[", "]", "{", "}", ",", "\\", "\\u12", "\\ud800",
        "True", "False", "None", "null", "1e", "-", "0", "01", "1.", ".5", "  ", "\t", "\r", "\n", "\u00e9", "\ud83d\ude00", "\ud800", "\u0000", "\u0001",
        "..", ".", "a b c", "/zookeeper", "x", "type", "pid", "name ->", "name =>", "\u2028", "\ufeff", "9999999999999999999999999",
    ];

    public override string Name => "tree";

    public override bool IsDocumented(Exception exception) => exception is TreeTextException;

    public override string Describe(byte[] input) => Escape(TextOf(input));

    public override byte[] Generate(ref FuzzRandom rng)
    {
        var choice = rng.Next(100);
        string text;
        if (choice < 55)
        {
            text = MutateLines(rng.Pick(s_seeds), ref rng);
        }
        else if (choice < 85)
        {
            text = MutateChars(rng.Chance(50) ? rng.Pick(s_seeds) : MutateLines(rng.Pick(s_seeds), ref rng), ref rng);
        }
        else if (choice < 90)
        {
            text = rng.Pick(s_seeds);
        }
        else
        {
            var sb = new System.Text.StringBuilder();
            var n = rng.Next(40);
            for (var i = 0; i < n; i++)
            {
                sb.Append(rng.Pick(s_fragments));
            }
            text = sb.ToString();
        }
        return BytesOf(text);
    }

    public override string Execute(byte[] input)
    {
        var text = TextOf(input);
        var errors = TreeText.Validate(text);
        var lineCount = text.Split('\n').Length;
        for (var i = 0; i < errors.Count; i++)
        {
            var error = errors[i];
            if (error.LineNumber < 1 || error.LineNumber > lineCount || (i > 0 && error.LineNumber < errors[i - 1].LineNumber))
            {
                throw new FuzzFindingException($"error {i} has line number {error.LineNumber} (text has {lineCount} lines, previous {(i > 0 ? errors[i - 1].LineNumber : 0)}): {error}");
            }
            if (string.IsNullOrEmpty(error.Message) || error.Text is null)
            {
                throw new FuzzFindingException($"error {i} has no message or text: {error}");
            }
        }
        TreeNode root;
        try
        {
            root = TreeText.Parse(text);
        }
        catch (TreeTextException e)
        {
            if (errors.Count == 0 || e.Errors.Count != errors.Count)
            {
                throw new FuzzFindingException($"Parse reported {e.Errors.Count} errors, Validate {errors.Count}.");
            }
            return "rejected";
        }
        if (errors.Count > 0)
        {
            throw new FuzzFindingException($"Parse accepted a text Validate rejects: {errors[0]}");
        }
        string formatted;
        try
        {
            formatted = TreeText.Format(root);
        }
        catch (ArgumentException)
        {
            return "accepted, not writable";
        }
        TreeNode again;
        try
        {
            again = TreeText.Parse(formatted);
        }
        catch (TreeTextException e)
        {
            throw new FuzzFindingException($"Format wrote text that does not parse: {e.Errors[0]}; formatted text {Escape(formatted)}");
        }
        var reformatted = TreeText.Format(again);
        if (reformatted != formatted)
        {
            throw new FuzzFindingException($"Format(Parse(Format(tree))) differs: {Escape(formatted)} then {Escape(reformatted)}");
        }
        return "accepted";
    }

    private static string MutateLines(string seed, ref FuzzRandom rng)
    {
        var lines = seed.Split('\n').ToList();
        var count = 1 + rng.Next(3);
        for (var m = 0; m < count; m++)
        {
            var at = rng.Next(lines.Count);
            switch (rng.Next(8))
            {
                case 0:
                    lines.Insert(at, lines[rng.Next(lines.Count)]);
                    break;
                case 1 when lines.Count > 1:
                    lines.RemoveAt(at);
                    break;
                case 2:
                    {
                        var other = rng.Next(lines.Count);
                        (lines[at], lines[other]) = (lines[other], lines[at]);
                        break;
                    }
                case 3:
                    lines[at] = new string(' ', rng.Next(12)) + lines[at].TrimStart();
                    break;
                case 4:
                    lines[at] = lines[at].TrimStart();
                    break;
                case 5:
                    lines.Insert(at, new string(' ', rng.Next(8)) + rng.Pick(s_fragments) + rng.Pick(s_fragments) + rng.Pick(s_fragments));
                    break;
                case 6:
                    lines[at] = "\t" + lines[at];
                    break;
                default:
                    lines[at] += rng.Pick(s_fragments);
                    break;
            }
        }
        return string.Join(rng.Chance(10) ? "\r\n" : "\n", lines);
    }

    private static string MutateChars(string text, ref FuzzRandom rng)
    {
        var sb = new System.Text.StringBuilder(text);
        var count = 1 + rng.Next(5);
        for (var m = 0; m < count; m++)
        {
            var at = rng.Next(sb.Length + 1);
            switch (rng.Next(4))
            {
                case 0 when sb.Length > 0 && at < sb.Length:
                    sb.Remove(at, Math.Min(sb.Length - at, 1 + rng.Next(4)));
                    break;
                case 1:
                    sb.Insert(at, rng.Pick(s_fragments));
                    break;
                case 2 when at < sb.Length:
                    sb[at] = (char)rng.Next(0, 0x80);
                    break;
                default:
                    sb.Insert(at, (char)rng.Next(0, 0x10000));
                    break;
            }
        }
        return sb.ToString();
    }
}
