using System.Text.Json.Nodes;

namespace ZkDiscovery.Nodes;

/// <summary>Parses tree text line by line, recovering after each error so that every error is reported.</summary>
internal sealed class TreeTextParser
{
    private readonly TreeNode _root = new(string.Empty);
    private readonly List<TreeTextError> _errors = [];
    private readonly List<Entry> _stack = [];

    /// <summary>A level of indentation: a node (whose children and properties follow, indented) or a property line.</summary>
    private readonly record struct Entry(int Indent, TreeNode? Node, TreeNode? PropertyOwner)
    {
        public bool IsProperty => Node is null;

        /// <summary>The node that lines indented under this entry belong to (for a property: its owner, as error recovery).</summary>
        public TreeNode? Owner => Node ?? PropertyOwner;
    }

    private enum LineKind
    {
        Property,
        SymbolicLink,
        PropertyLink,
    }

    private TreeTextParser()
    {
        _stack.Add(new Entry(-1, _root, null));
    }

    public static (TreeNode Root, IReadOnlyList<TreeTextError> Errors) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new TreeTextParser();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            parser.ParseLine(rawLine.TrimEnd(), lineNumber);
        }
        return (parser._root, parser._errors);
    }

    private void ParseLine(string line, int lineNumber)
    {
        if (line.Length == 0)
        {
            return;
        }
        var stripped = line.TrimStart();
        if (stripped[0] == '#')
        {
            return;
        }
        var indent = line.Length - stripped.Length;
        if (stripped[0] == '/')
        {
            ParseNodeLine(stripped, indent, lineNumber);
        }
        else
        {
            ParsePropertyLine(stripped, indent, lineNumber);
        }
    }

    private void ParseNodeLine(string stripped, int indent, int lineNumber)
    {
        var rest = stripped.AsSpan(1);
        var nameLength = 0;
        while (nameLength < rest.Length && !char.IsWhiteSpace(rest[nameLength]))
        {
            nameLength++;
        }
        var name = rest[..nameLength].ToString();
        var after = rest[nameLength..].Trim();
        string? type = null;
        if (after.Length > 0 && after[0] == ':')
        {
            type = after[1..].Trim().ToString();
            if (type.Length == 0)
            {
                Error(lineNumber, stripped, "a node type is missing after ':'");
                type = null;
            }
        }
        else if (after.Length > 0 && name.EndsWith(':'))
        {
            name = name[..^1];
            type = after.ToString();
        }
        else if (after.Length > 0)
        {
            Error(lineNumber, stripped, "unexpected text after the node name (a type is written '/name : type')");
        }
        if (type is not null && TreeTextWriter.HasUnpairedSurrogate(type))
        {
            Error(lineNumber, stripped, "the node type holds an unpaired surrogate, which UTF-8 node data cannot store");
            type = null;
        }
        if (name.Length == 0)
        {
            Error(lineNumber, stripped, "a node name is missing after '/'");
        }
        else if (TreeTextWriter.GetNodeNameError(name) is { } nameError)
        {
            Error(lineNumber, stripped, nameError);
        }

        var node = new TreeNode(name, lineNumber) { Type = type };
        var owner = Place(indent, stripped, lineNumber);
        _stack[^1] = new Entry(indent, node, null);
        if (owner is null)
        {
            return;
        }
        if (owner.GetChild(name) is { } existing)
        {
            Error(lineNumber, stripped, $"duplicate node name '{name}' (first on line {existing.LineNumber})");
            return; // Its subtree is still checked, under the detached node.
        }
        owner.Children.Add(node);
    }

    private void ParsePropertyLine(string stripped, int indent, int lineNumber)
    {
        var (kind, operatorIndex, operatorLength) = FindOperator(stripped);
        if (operatorIndex < 0)
        {
            Error(lineNumber, stripped, "unrecognized line: expected '/node', 'name = value', 'name -> target', 'name => path [property]' or '# comment'");
            return;
        }
        var name = stripped[..operatorIndex].Trim();
        var value = stripped[(operatorIndex + operatorLength)..].Trim();
        var valid = true;
        if (name.Length == 0)
        {
            Error(lineNumber, stripped, "a property name is missing");
            valid = false;
        }
        else if (TreeTextWriter.GetPropertyNameError(name) is { } nameError)
        {
            Error(lineNumber, stripped, nameError);
            valid = false;
        }

        JsonNode? jsonValue = null;
        switch (kind)
        {
            case LineKind.Property when value.Length == 0:
                Error(lineNumber, stripped, "a property value is missing after '='");
                valid = false;
                break;
            case LineKind.Property:
                if (!TreeValueParser.TryParse(value, out jsonValue, out var valueError))
                {
                    Error(lineNumber, stripped, "invalid value: " + valueError);
                    valid = false;
                }
                break;
            case LineKind.SymbolicLink:
                var targetWords = NodeLinks.SplitWords(value).Count;
                if (targetWords != 1)
                {
                    Error(lineNumber, stripped, targetWords == 0 ? "a link target is missing after '->'" : "bad link format: the target must be a single path");
                    valid = false;
                }
                break;
            case LineKind.PropertyLink:
                var linkWords = NodeLinks.SplitWords(value).Count;
                if (linkWords is < 1 or > 2)
                {
                    Error(lineNumber, stripped, linkWords == 0
                        ? "a property link target is missing after '=>'"
                        : $"bad property link: expected 'PATH' or 'PATH PROPERTY', found {linkWords} words");
                    valid = false;
                }
                break;
        }

        var owner = Place(indent, stripped, lineNumber);
        if (owner == _root)
        {
            Error(lineNumber, stripped, "properties can't appear above the first node (they must be indented under a node)");
            owner = null;
        }
        _stack[^1] = new Entry(indent, null, owner);
        if (owner is null || !valid)
        {
            return;
        }
        var storedName = kind switch
        {
            LineKind.SymbolicLink => NodePropertyNames.ForSymbolicLink(name),
            LineKind.PropertyLink => NodePropertyNames.ForPropertyLink(name),
            _ => name,
        };
        if (FindStoredName(owner, storedName) is { } firstLine)
        {
            Error(lineNumber, stripped, $"duplicate property name '{storedName}' in /{owner.Name}" + (firstLine > 0 ? $" (first on line {firstLine})" : string.Empty));
            return;
        }
        switch (kind)
        {
            case LineKind.Property:
                owner.Properties.Add(new TreeProperty(name, jsonValue, lineNumber));
                break;
            case LineKind.SymbolicLink:
                owner.SymbolicLinks.Add(new TreeLink(name, value, lineNumber));
                break;
            case LineKind.PropertyLink:
                owner.PropertyLinks.Add(new TreeLink(name, value, lineNumber));
                break;
        }
    }

    /// <summary>
    /// Fits a line at <paramref name="indent"/> into the structure, leaving a slot for it on top of the stack, and
    /// returns the node it belongs to (null when that cannot be told).
    /// </summary>
    private TreeNode? Place(int indent, string stripped, int lineNumber)
    {
        var top = _stack[^1];
        if (indent <= top.Indent)
        {
            while (indent < _stack[^1].Indent)
            {
                _stack.RemoveAt(_stack.Count - 1);
            }
            top = _stack[^1];
            if (indent == top.Indent)
            {
                // A sibling of the top entry: it takes its slot.
                return _stack[^2].Owner;
            }
            Error(lineNumber, stripped, "invalid indentation: the line is dedented to a level that no earlier line uses");
        }
        else if (top.IsProperty)
        {
            Error(lineNumber, stripped, "can't indent under a property: only nodes have indented lines under them");
        }
        // Deeper than the top entry: it belongs to it (after an error, to the property's node).
        _stack.Add(new Entry(indent, null, null));
        return top.Owner;
    }

    private static int? FindStoredName(TreeNode owner, string storedName)
    {
        if (storedName == NodePropertyNames.Type && owner.Type is not null)
        {
            return owner.LineNumber;
        }
        foreach (var property in owner.Properties)
        {
            if (property.Name == storedName)
            {
                return property.LineNumber;
            }
        }
        foreach (var link in owner.PropertyLinks)
        {
            if (NodePropertyNames.ForPropertyLink(link.Name) == storedName)
            {
                return link.LineNumber;
            }
        }
        foreach (var link in owner.SymbolicLinks)
        {
            if (NodePropertyNames.ForSymbolicLink(link.Name) == storedName)
            {
                return link.LineNumber;
            }
        }
        return null;
    }

    private static (LineKind Kind, int Index, int Length) FindOperator(string line)
    {
        for (var i = 0; i < line.Length; i++)
        {
            var next = i + 1 < line.Length ? line[i + 1] : '\0';
            if (line[i] == '=')
            {
                return next == '>' ? (LineKind.PropertyLink, i, 2) : (LineKind.Property, i, 1);
            }
            if (line[i] == '-' && next == '>')
            {
                return (LineKind.SymbolicLink, i, 2);
            }
        }
        return (LineKind.Property, -1, 0);
    }

    private void Error(int lineNumber, string text, string message) => _errors.Add(new TreeTextError(lineNumber, text, message));
}
