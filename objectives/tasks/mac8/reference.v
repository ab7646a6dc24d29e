// mac8: 8x8 unsigned multiply-accumulate into a 20-bit wrapping accumulator.
module mac8 (
    input  wire        clk,
    input  wire        rst,
    input  wire        en,
    input  wire [7:0]  a,
    input  wire [7:0]  b,
    output reg  [19:0] acc
);

    wire [15:0] product = a * b;

    always @(posedge clk) begin
        if (rst)
            acc <= 20'd0;
        else if (en)
            acc <= acc + {4'd0, product};
    end

endmodule
