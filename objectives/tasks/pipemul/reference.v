// pipemul: 3-stage pipelined 16x16 unsigned multiplier.
//   stage 1: register the operands
//   stage 2: four 8x8 partial products
//   stage 3: add the partial products
// The valid bits have an asynchronous active-low reset; the data path has
// no reset.
module pipemul (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        in_valid,
    input  wire [15:0] a,
    input  wire [15:0] b,
    output reg         out_valid,
    output reg  [31:0] p
);

    reg [15:0] a1, b1;
    reg        v1;
    reg [15:0] pp_ll, pp_lh, pp_hl, pp_hh;
    reg        v2;

    // valid pipeline
    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            v1        <= 1'b0;
            v2        <= 1'b0;
            out_valid <= 1'b0;
        end else begin
            v1        <= in_valid;
            v2        <= v1;
            out_valid <= v2;
        end
    end

    // data pipeline
    always @(posedge clk) begin
        a1    <= a;
        b1    <= b;
        pp_ll <= a1[7:0]  * b1[7:0];
        pp_lh <= a1[7:0]  * b1[15:8];
        pp_hl <= a1[15:8] * b1[7:0];
        pp_hh <= a1[15:8] * b1[15:8];
        p     <= {pp_hh, pp_ll} + {8'd0, pp_lh, 8'd0} + {8'd0, pp_hl, 8'd0};
    end

endmodule
