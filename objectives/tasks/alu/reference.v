// alu: 16-bit ALU with a 3-bit opcode and a zero flag.
module alu (
    input  wire [15:0] a,
    input  wire [15:0] b,
    input  wire [2:0]  op,
    output reg  [15:0] y,
    output wire        zero
);

    localparam OP_ADD  = 3'd0;
    localparam OP_SUB  = 3'd1;
    localparam OP_AND  = 3'd2;
    localparam OP_OR   = 3'd3;
    localparam OP_XOR  = 3'd4;
    localparam OP_SLL1 = 3'd5;
    localparam OP_SRL1 = 3'd6;
    localparam OP_SLT  = 3'd7;

    always @(*) begin
        case (op)
            OP_ADD:  y = a + b;
            OP_SUB:  y = a - b;
            OP_AND:  y = a & b;
            OP_OR:   y = a | b;
            OP_XOR:  y = a ^ b;
            OP_SLL1: y = a << 1;
            OP_SRL1: y = a >> 1;
            default: y = {15'd0, $signed(a) < $signed(b)};   // OP_SLT
        endcase
    end

    assign zero = (y == 16'd0);

endmodule
