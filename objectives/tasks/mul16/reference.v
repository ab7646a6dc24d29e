// mul16: 16x16 signed (two's complement) multiplier with a full 32-bit product.
// Ports are plain vectors; the operands are interpreted as two's complement.
module mul16 (
    input  wire [15:0] a,
    input  wire [15:0] b,
    output wire [31:0] p
);

    assign p = $signed(a) * $signed(b);

endmodule
