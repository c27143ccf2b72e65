using Dispatch.Actors;
using Xunit.Sdk;

namespace Dispatch.Testing.Tests;

public sealed class WithinSpec : TestKit
{
    [Fact]
    public void Within_sets_the_default_timeout_of_expectations_inside_it()
    {
        var error = Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(200), () =>
        {
            Assert.InRange(Remaining, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
            Assert.InRange(RemainingOrDefault, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
            ExpectMsg<string>();
        }));

        // The expectation gave up within the block's 200 ms, not after the default 3 s.
        Assert.StartsWith("Timeout (00:00:00.", error.Message);
    }

    [Fact]
    public void Nested_Within_never_outlasts_the_outer_block()
    {
        Within(TimeSpan.FromSeconds(5), () =>
        {
            Within(TimeSpan.FromSeconds(10), () => Assert.True(Remaining <= TimeSpan.FromSeconds(5)));
            Within(TimeSpan.FromMilliseconds(100), () => Assert.True(Remaining <= TimeSpan.FromMilliseconds(100)));
            Assert.True(Remaining > TimeSpan.FromSeconds(1));
        });
    }

    [Fact]
    public void Within_fails_when_the_block_is_faster_than_the_minimum()
    {
        var error = Assert.Throws<XunitException>(() => Within(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => { }));

        Assert.Contains("less than the minimum", error.Message);
    }

    [Fact]
    public void Within_fails_when_the_block_takes_longer_than_the_maximum()
    {
        var error = Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(20), () => ExpectNoMsg(TimeSpan.FromMilliseconds(60))));

        Assert.Contains("more than the maximum", error.Message);
    }

    [Fact]
    public void Within_returns_the_blocks_result_and_Remaining_is_undefined_outside()
    {
        Assert.Equal(42, Within(TimeSpan.Zero, TimeSpan.FromSeconds(1), () => 42));
        Assert.Throws<InvalidOperationException>(() => Remaining);
    }

    [Fact]
    public async Task WithinAsync_bounds_an_async_block()
    {
        await WithinAsync(TimeSpan.FromSeconds(1), async () =>
        {
            TestActor.Tell("x");
            await ExpectMsgAsync("x");
        });
        await Assert.ThrowsAsync<XunitException>(() => WithinAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => Task.CompletedTask));
    }

    [Fact]
    public void AwaitCondition_returns_once_the_condition_holds_and_fails_if_it_never_does()
    {
        var calls = 0;
        AwaitCondition(() => ++calls >= 3, interval: TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, calls);

        var error = Assert.Throws<XunitException>(() => AwaitCondition(() => false, TimeSpan.FromMilliseconds(30), message: "never"));
        Assert.Contains("never", error.Message);
    }

    [Fact]
    public async Task AwaitConditionAsync_returns_once_the_condition_holds_and_fails_if_it_never_does()
    {
        var calls = 0;
        await AwaitConditionAsync(() => ++calls >= 2, interval: TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<XunitException>(() => AwaitConditionAsync(() => false, TimeSpan.FromMilliseconds(30)));
    }

    [Fact]
    public void AwaitAssert_retries_until_the_assertion_passes_and_rethrows_its_last_failure()
    {
        var calls = 0;
        AwaitAssert(() => Assert.True(++calls >= 3), interval: TimeSpan.FromMilliseconds(1));

        var error = Assert.Throws<EqualException>(() => AwaitAssert(() => Assert.Equal(1, 2), TimeSpan.FromMilliseconds(30)));
        Assert.Contains("Expected", error.Message);
    }
}
