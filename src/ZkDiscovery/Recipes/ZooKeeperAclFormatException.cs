namespace ZkDiscovery.Recipes;

/// <summary>An ACL entry or permission string could not be read; <see cref="Text"/> is the offending text.</summary>
public sealed class ZooKeeperAclFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="text">The offending text (never a password: digest passwords are not included).</param>
    /// <param name="message">What is wrong.</param>
    public ZooKeeperAclFormatException(string text, string message)
        : base(message)
    {
        Text = text;
    }

    /// <summary>The text that could not be read: the bad permission letters or names, or the malformed entry.</summary>
    public string Text { get; }
}
