namespace Dispatch.FakeUpstream.Tests.Support;

/// <summary>
/// Waits for something another side of a socket does on its own schedule (the server noticing a
/// client hung up). Polls with a generous deadline, so a slow machine only waits longer, never fails.
/// </summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(10);
        }
    }
}
