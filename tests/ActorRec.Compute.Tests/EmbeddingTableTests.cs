namespace ActorRec.Compute.Tests;

public sealed class EmbeddingTableTests
{
    [Fact]
    public void Writes_stamp_rows_with_increasing_versions()
    {
        var table = new EmbeddingTable(4, 3);
        Assert.Equal(0, table.Version);
        Assert.Equal(0, table.GetRowVersion(2));
        table.SetRow(2, [1, 2, 3]);
        table.SetRow(0, [4, 5, 6]);
        Assert.Equal(2, table.Version);
        Assert.Equal(1, table.GetRowVersion(2));
        Assert.Equal(2, table.GetRowVersion(0));
        Assert.Equal(0, table.GetRowVersion(1));
        Assert.Equal([1f, 2, 3], table.GetRow(2).ToArray());
        Assert.Equal([4f, 5, 6, 0, 0, 0, 1, 2, 3, 0, 0, 0], table.AsSpan().ToArray());

        table.SetAll(new float[12]);
        Assert.Equal(6, table.Version);
        Assert.Equal(6, table.GetRowVersion(3));
    }

    [Fact]
    public void Bad_shapes_and_rows_are_rejected()
    {
        var table = new EmbeddingTable(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.GetRow(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.SetRow(-1, [1, 2, 3]));
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => table.SetRow(0, [1, 2])).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => table.SetAll(new float[5])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingTable(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingTable(-1, 4));
    }
}
