namespace ZkDiscovery.Dashboard.Tests;

/// <summary>
/// A test that drives the real headless browser: Debian's chromium (eng/install-browser.sh installs it; ZKD_CHROMIUM
/// names another binary). Skipped, with the reason, only where no browser is installed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (BrowserFixture.FindChromium() is null)
        {
            Skip = "No chromium browser found (/usr/bin/chromium, or ZKD_CHROMIUM): run eng/install-browser.sh (apt-get install chromium) to run the dashboard's browser tests.";
        }
    }
}
